"""The window shell: main window, menus, project actions, browser, settings, theme, start dialogs."""
