"""Admitting, moving and discharging patients, with the intake assessment."""
