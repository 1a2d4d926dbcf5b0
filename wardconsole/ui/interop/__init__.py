"""File → Import FHIR… and Export patient…."""
