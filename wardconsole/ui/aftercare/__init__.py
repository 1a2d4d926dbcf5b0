"""Care after discharge: the ward's follow-ups and each attempt to make contact."""
