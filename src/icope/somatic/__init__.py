"""icope.somatic"""
