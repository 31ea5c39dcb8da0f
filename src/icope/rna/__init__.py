"""icope.rna"""
