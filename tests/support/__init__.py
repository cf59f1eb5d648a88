"""Helpers shared by the test suite: real server processes and throwaway projects."""
