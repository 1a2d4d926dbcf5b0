"""Therapy and support sessions: recording one, and the ward's list for the day."""
