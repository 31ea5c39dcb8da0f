"""icope.germline"""
