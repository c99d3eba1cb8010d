"""In-app notifications with e-mail and SMS delivery (SVC-7 warnings and escalations)."""
