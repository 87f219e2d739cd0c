"""Developer tools: the screenshot writers for docs/images."""
