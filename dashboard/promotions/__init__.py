"""Promotion effectiveness: every planned promotion split into baseline, uplift, cannibalization and dip, in units
and money, and past promotions judged on their actuals (``analysis.PromotionAnalysis``)."""
