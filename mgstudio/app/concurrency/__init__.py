"""The one way to run background work: workers (threads, processes), first paint."""
