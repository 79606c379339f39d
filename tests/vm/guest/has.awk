# Exit 0 if some record of the JSON trace matches $WANT ("k=v ...").
BEGIN { want = ENVIRON["WANT"] }
/^\{/ && matches($0, want) { found = 1 }
END { exit !found }
