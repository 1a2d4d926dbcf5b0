"""Physical care: the food and fluid chart windows."""
