# tests/vectors/goridge.txt is a copy of shared/vectors/goridge.txt (frames
# made by the real PHP and Go libraries), kept so a clone tests on its own.
# Where shared/ sits beside the repository, the copy must match it.
. "$(dirname "$0")/lib.sh"

t_in_step() {
	check "tests/vectors/goridge.txt differs from ../shared/vectors/goridge.txt" \
	    cmp -s tests/vectors/goridge.txt ../shared/vectors/goridge.txt
}

if [ -f ../shared/vectors/goridge.txt ]; then
	scenario vectors-in-step t_in_step
else
	echo "SKIP vectors-in-step: no ../shared/vectors beside the repository"
fi
