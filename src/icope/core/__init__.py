"""icope.core"""
