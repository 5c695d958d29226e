"""What every layer may use and that depends on none of them: the programme's rules,
text folding, the content error, statuses and the clock."""
