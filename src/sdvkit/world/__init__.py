"""The world around the vehicle: roads with lanes, actors and traffic, collisions, drive cycles
and the virtual driver.

Nothing here reads or writes the broker; the plant and the scenario runner put the world on it.
"""
