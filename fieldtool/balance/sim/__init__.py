"""Provides the balance simulators: the MT-SICS, Sartorius SBI and A&D protocols spoken from the balance's side.

Used by the tests, by the demo and by anyone without hardware (``fieldtool balance simulate``).
"""

from fieldtool.balance.sim.model import Display, SimulatedBalance
from fieldtool.balance.sim.serve import Simulator, load_weights
from fieldtool.balance.sim.speakers import SPEAKERS, AndSpeaker, MtSicsSpeaker, SbiSpeaker, Speaker

__all__ = [
    "SPEAKERS", "AndSpeaker", "Display", "MtSicsSpeaker", "SbiSpeaker", "SimulatedBalance", "Simulator", "Speaker", "load_weights",
]
