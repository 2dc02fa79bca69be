"""Tests of the SkyCentrics integration, its client and its simulator."""
