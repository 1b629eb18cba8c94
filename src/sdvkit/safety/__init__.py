"""Driver assistance and active safety functions, each an app on the broker.

They see the world only through ``Vehicle.ADAS.Perception`` (their manifests may not touch
ground truth) and reach the plant only through the arbitration layer, which passes exactly one
longitudinal and one lateral request on to ``Vehicle.Sdvkit.MotionControl``.
"""
