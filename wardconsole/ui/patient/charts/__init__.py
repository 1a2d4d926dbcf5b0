"""The patient trend charts (pyqtgraph): tracks, bands, events, read-out, tables."""
