# Print a key per completed command of a JSON trace, optionally only those
# matching $PRED ("k=v ...").
BEGIN { pred = ENVIRON["PRED"] }
/^\{/ && jstr($0, "state") == "completed" && (pred == "" || matches($0, pred)) {
	print cmdkey($0)
}
