"""icope.report"""
