"""Demandes d'aménagement: intake from the online form and the desk, the queue, and decisions."""
