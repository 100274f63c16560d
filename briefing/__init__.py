"""The quarterly briefing for the standing committee: a Word report and its Excel appendix."""
