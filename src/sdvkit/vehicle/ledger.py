"""Where the energy went: cumulative counters the vehicle model keeps, in joules.

Every step adds to them with the same force × distance the motion used, so the books balance
by construction and the tests can hold the model to it::

    battery terminal energy out (net) = traction work at the wheels + gear and motor losses
                                        + auxiliaries − energy regenerated at the wheels
                                        + gear and motor losses while regenerating
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

JOULES_PER_KWH = 3.6e6


@dataclass(slots=True)
class EnergyLedger:
    traction_wheel_j: float = 0.0
    """Positive work the drive unit did at the wheels."""
    regen_wheel_j: float = 0.0
    """Work the motor took back at the wheels while regenerating (positive number)."""
    friction_brake_j: float = 0.0
    """Work the friction brakes turned into heat."""
    drag_j: float = 0.0
    rolling_j: float = 0.0
    grade_j: float = 0.0
    """Net work against gravity (negative downhill)."""
    motor_loss_j: float = 0.0
    gear_loss_j: float = 0.0
    auxiliary_j: float = 0.0
    battery_out_j: float = 0.0
    """Energy out of the battery terminals while discharging."""
    battery_in_j: float = 0.0
    """Energy into the battery terminals while regenerating or charging (positive number)."""
    battery_loss_j: float = 0.0
    """Heat in the battery's internal resistance."""
    charged_j: float = 0.0
    """Energy into the terminals from a charger."""
    distance_m: float = 0.0

    @property
    def battery_net_out_j(self) -> float:
        return self.battery_out_j - self.battery_in_j

    @property
    def regen_share(self) -> float:
        """Energy regenerated into the battery over energy drawn from it while driving."""
        if self.battery_out_j <= 0:
            return 0.0
        return (self.battery_in_j - self.charged_j) / self.battery_out_j

    def as_dict(self) -> dict[str, float]:
        return asdict(self)
