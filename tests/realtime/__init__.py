"""Tests of the real-time subscription features."""
