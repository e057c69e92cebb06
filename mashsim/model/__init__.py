"""The simulation core: calendar, arrivals, roles, the hub's flow. No file I/O, no printing."""
