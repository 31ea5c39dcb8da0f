"""icope.bench"""
