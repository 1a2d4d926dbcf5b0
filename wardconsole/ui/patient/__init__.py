"""One patient's window: header, trend charts, history with corrections."""
