#!/bin/sh
# manquotes.sh PAGE...: each manual page, rendered as its reader sees it (mandoc
# -Tascii), has its double quotes in pairs.  A quote opens after a space, an opening
# bracket, "=" or the start of a line, and closes after anything else.  mdoc's quoting
# macros nested the wrong way (.Pq Qq a , Qq b) render as ("a, "b"") and mandoc -Tlint
# says nothing of it: `make lint` and tests/docs.sh run this.
status=0
for page in "$@"; do
	[ -r "$page" ] || { echo "manquotes: cannot read $page"; status=1; continue; }
	MANWIDTH=80 mandoc -Tascii "$page" | col -b | awk -v page="$page" '
	function bad(n, why, text) {
		if (n in said)
			return # one problem a line is enough
		said[n] = 1
		printf "%s: rendered line %d: %s:\n    %s\n", page, n, why, text
		status = 1
	}
	/^[ \t]*$/ { # a paragraph ends: every quote of it closed
		if (open)
			bad(at, "a quote opened here is never closed", text)
		open = 0
		next
	}
	{
		for (i = 1; i <= length($0); i++) {
			if (substr($0, i, 1) != "\"")
				continue
			before = i > 1 ? substr($0, i - 1, 1) : " "
			if (before ~ /[ \t([{=]/) {
				if (open)
					bad(NR, "a quote opens inside a quote", $0)
				open = 1
				at = NR
				text = $0
			} else {
				if (!open)
					bad(NR, "a quote closes with none open", $0)
				open = 0
			}
		}
	}
	END {
		if (open)
			bad(at, "a quote opened here is never closed", text)
		exit status
	}' || status=1
done
exit $status
