"""Provides what every layer may use from the machine: where files live (`paths`), the atomic file
writer (`files`) and the user's settings (`config`)."""
