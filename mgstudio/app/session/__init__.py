"""What every view shares, without widgets: navigation (one behaviour for keys and buttons)."""
