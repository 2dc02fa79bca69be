"""End-to-end tests: the simulator and a real Home Assistant as separate processes."""
