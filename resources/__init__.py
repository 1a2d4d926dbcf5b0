"""Bundled resources: default policy files, icons, sounds, stylesheets."""
