#!/bin/sh
# Checks that sottoctl's option and command table, its --help output and
# its man page agree.
#
# usage: check_sottoctl_docs.sh SOTTOCTL_BINARY SOTTOCTL_MAN_PAGE
#
# Three sources are compared:
#   table   what the binary's parser accepts: every name is tried on the
#           binary itself (a command must get as far as connecting to a
#           socket that does not exist, exit 3; an option must not be
#           reported as unknown), and made-up names must be rejected;
#   --help  the Options, Commands and Command options lists, which must
#           also be sorted, as the table is;
#   man     the .TP tags of the OPTIONS and COMMANDS sections and SYNOPSIS.
#           A command's tag is its words and its positional argument, if
#           any: NAME when required, [NAME] when optional ("stats [ID]"),
#           NAME NAME2 for two required ones ("join URL ROOM");
#           its options are .TP tags nested under it, with their value's
#           placeholder ("--token TOKEN").
# Every subcommand, positional argument and long option must appear in all
# three, with the same argument names and kinds and option placeholders;
# the binary must refuse a missing required argument, an extra argument,
# a command option without its value and a value for an option taking
# none. Each mismatch is named on stderr; the exit status is 1 when there
# is any, 2 for bad usage of this script.
set -u

if [ "$#" -ne 2 ]; then
    echo "usage: $0 SOTTOCTL_BINARY SOTTOCTL_MAN_PAGE" >&2
    exit 2
fi
bin=$1
man=$2
if [ ! -x "$bin" ] || [ ! -f "$bin" ]; then
    echo "$0: not an executable file: $bin" >&2
    exit 2
fi
if [ ! -r "$man" ] || [ ! -f "$man" ]; then
    echo "$0: cannot read man page: $man" >&2
    exit 2
fi

LC_ALL=C
export LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sottoctl-docs.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' HUP INT TERM
# A socket path that cannot exist, so that commands fail only at connecting.
nosock="$tmp/no-such-dir/sottod.sock"
failures=0

fail() {
    echo "MISMATCH: $*" >&2
    failures=$((failures + 1))
}

# --- --help --------------------------------------------------------------
if ! env -u SOTTO_SOCKET "$bin" --help >"$tmp/help" 2>"$tmp/help.err"; then
    echo "$0: '$bin --help' failed:" >&2
    cat "$tmp/help.err" >&2
    exit 1
fi
# Prints "option NAME", "command WORDS", "arg COMMAND|NAME|required" (or
# optional) and "cmdopt COMMAND|NAME|VALUE" lines (VALUE: the placeholder
# of the option's value, - when it takes none), in the order --help lists
# them. Columns are separated by two spaces.
awk '
    /^Options:$/         { block = "option"; next }
    /^Commands:$/        { block = "command"; next }
    /^Command options:$/ { block = "cmdopt"; next }
    /^$/                 { block = ""; next }
    block == "" || !/^  [^ ]/ { next }
    {
        head = substr($0, 3)
        split(head, parts, /  +/)
        head = parts[1]
    }
    block == "option" {
        if (head !~ /^--[a-z][a-z0-9-]*/) { print "bad-line " $0; next }
        sub(/^--/, "", head); sub(/ .*/, "", head)
        print "option " head
    }
    # Command words, then an optional ARG or [ARG], then [--opt] or
    # [--opt VALUE] for each option of the command.
    block == "command" {
        n = split(head, words, / +/); name = ""; stage = 0; bad = 0; arg = ""
        for (i = 1; i <= n && !bad; i++) {
            w = words[i]
            if (stage == 0 && w ~ /^[a-z][a-z0-9-]*$/) {
                name = name == "" ? w : name " " w
            } else if (name == "") {
                bad = 1
            } else if (stage == 0 && w ~ /^[A-Z][A-Z0-9_-]*$/) {
                arg = name "|" w "|required"; stage = 1
            } else if (stage == 1 && w ~ /^[A-Z][A-Z0-9_-]*$/ &&
                       arg ~ /\|required$/) {
                sub(/\|required$/, " " w "|two", arg)
            } else if (stage == 0 && w ~ /^\[[A-Z][A-Z0-9_-]*\]$/) {
                arg = name "|" substr(w, 2, length(w) - 2) "|optional"; stage = 1
            } else if (w ~ /^\[--[a-z][a-z0-9-]*\]$/) {
                print "cmdopt-inline " name "|" substr(w, 4, length(w) - 4) "|-"; stage = 2
            } else if (w ~ /^\[--[a-z][a-z0-9-]*$/ && i < n &&
                       words[i + 1] ~ /^[A-Z][A-Z0-9_-]*\]$/) {
                v = words[++i]
                print "cmdopt-inline " name "|" substr(w, 4) "|" substr(v, 1, length(v) - 1)
                stage = 2
            } else {
                bad = 1
            }
        }
        if (arg != "") print "arg " arg
        if (bad) print "bad-line " $0
        else print "command " name
    }
    block == "cmdopt" {
        if (head !~ /^--[a-z][a-z0-9-]*( [A-Z][A-Z0-9_-]*)?$/) { print "bad-line " $0; next }
        opt = substr(head, 3); value = "-"
        if (opt ~ / /) { value = opt; sub(/^[^ ]* /, "", value); sub(/ .*/, "", opt) }
        rest = parts[2]
        if (rest !~ /^[a-z][a-z0-9 -]*:/) { print "bad-line " $0; next }
        sub(/:.*/, "", rest)
        print "cmdopt " rest "|" opt "|" value
    }
' "$tmp/help" >"$tmp/help.items"

# --- man page ------------------------------------------------------------
# Same record kinds from the roff source, plus "synopsis NAME" for every
# long option in SYNOPSIS.
awk '
    function plain(s) {
        sub(/^\.[A-Za-z]+[ \t]*/, "", s)
        gsub(/\\f(\[[^]]*\]|\(..|.)/, "", s)
        gsub(/\\-|\\\(hy|\\\(mi/, "-", s)
        gsub(/\\&|\\c|"/, "", s)
        gsub(/\\[ ~0]/, " ", s)
        return s
    }
    /^\.\\"/ || /^'"'"'\\"/ { next }
    /^\.SH[ \t]/ { section = plain($0); sub(/[ \t]+$/, "", section); tag = 0; next }
    /^\.TP([ \t]|$)/ { tag = 1; next }
    section == "SYNOPSIS" {
        s = plain($0)
        while (match(s, /--[a-z][a-z0-9-]*/)) {
            print "synopsis " substr(s, RSTART + 2, RLENGTH - 2)
            s = substr(s, RSTART + RLENGTH)
        }
        next
    }
    !tag { next }
    { tag = 0; t = plain($0); sub(/^[ \t]+/, "", t); sub(/[ \t]+$/, "", t) }
    section == "OPTIONS" {
        if (match(t, /^--[a-z][a-z0-9-]*/)) print "option " substr(t, 3, RLENGTH - 2)
        else print "bad-tag OPTIONS: " t
    }
    section == "COMMANDS" {
        if (match(t, /^--[a-z][a-z0-9-]*/)) {
            opt = substr(t, 3, RLENGTH - 2); value = substr(t, RLENGTH + 1)
            sub(/^[ \t]+/, "", value)
            if (value == "") value = "-"
            if (command == "") print "bad-tag COMMANDS (option before any command): " t
            else if (value != "-" && value !~ /^[A-Z][A-Z0-9_-]*$/) print "bad-tag COMMANDS: " t
            else print "cmdopt " command "|" opt "|" value
            next
        }
        n = split(t, words, /[ \t]+/); command = ""
        for (i = 1; i <= n && words[i] ~ /^[a-z][a-z0-9-]*$/; i++)
            command = command == "" ? words[i] : command " " words[i]
        if (command == "") { print "bad-tag COMMANDS: " t; next }
        if (i < n && words[i] ~ /^[A-Z][A-Z0-9_-]*$/ && words[i + 1] ~ /^[A-Z][A-Z0-9_-]*$/) {
            print "arg " command "|" words[i] " " words[i + 1] "|two"; i += 2
        } else if (i <= n && words[i] ~ /^[A-Z][A-Z0-9_-]*$/) {
            print "arg " command "|" words[i] "|required"; i++
        } else if (i <= n && words[i] ~ /^\[[A-Z][A-Z0-9_-]*\]$/) {
            print "arg " command "|" substr(words[i], 2, length(words[i]) - 2) "|optional"; i++
        }
        if (i <= n) {
            print "bad-tag COMMANDS (command options go in nested .TP tags): " t
            command = ""
            next
        }
        print "command " command
    }
' "$man" | sort -u >"$tmp/man.items"

grep '^bad-' "$tmp/help.items" | while IFS= read -r line; do
    echo "MISMATCH: --help line not in the expected form: ${line#* }" >&2
done
grep -q '^bad-' "$tmp/help.items" && failures=$((failures + 1))
grep '^bad-' "$tmp/man.items" | while IFS= read -r line; do
    echo "MISMATCH: man page .TP tag not understood: ${line#* }" >&2
done
grep -q '^bad-' "$tmp/man.items" && failures=$((failures + 1))

# Items of one kind from a list file, one per line, sorted and unique.
items() {
    sed -n "s/^$1 //p" "$2" | sort -u
}

# Sorted-table check: --help shows the table in order.
for kind in option command cmdopt; do
    sed -n "s/^$kind //p" "$tmp/help.items" >"$tmp/order"
    if ! sort -c "$tmp/order" 2>/dev/null; then
        fail "--help lists its ${kind}s out of order (the table must be sorted)"
    fi
done
# Command options shown inline ("events [--follow]") and in their own list agree.
items cmdopt "$tmp/help.items" >"$tmp/a"
items cmdopt-inline "$tmp/help.items" >"$tmp/b"
comm -23 "$tmp/a" "$tmp/b" | while IFS="|" read -r cmd opt _; do
    echo "MISMATCH: --help: --$opt (of '$cmd') missing from the Commands list" >&2
done
comm -13 "$tmp/a" "$tmp/b" | while IFS="|" read -r cmd opt _; do
    echo "MISMATCH: --help: --$opt (of '$cmd') missing from the Command options list" >&2
done
cmp -s "$tmp/a" "$tmp/b" || failures=$((failures + 1))

# compare KIND WHAT: the --help and man page lists of one kind are equal.
compare() {
    items "$1" "$tmp/help.items" >"$tmp/a"
    items "$1" "$tmp/man.items" >"$tmp/b"
    if [ ! -s "$tmp/a" ] && [ "$1" != cmdopt ] && [ "$1" != arg ]; then
        fail "--help lists no $1 entries at all"
    fi
    comm -23 "$tmp/a" "$tmp/b" | while IFS= read -r x; do
        echo "MISMATCH: $2 '$x' is in --help but not in the man page" >&2
    done
    comm -13 "$tmp/a" "$tmp/b" | while IFS= read -r x; do
        echo "MISMATCH: $2 '$x' is in the man page but not in --help" >&2
    done
    cmp -s "$tmp/a" "$tmp/b" || failures=$((failures + 1))
}
compare option "option (OPTIONS section)"
compare command "command (COMMANDS section)"
compare arg "positional argument (command|name|kind, COMMANDS section)"
compare cmdopt "command option (command|option|value, COMMANDS section)"

# Every global option also appears in the SYNOPSIS.
items synopsis "$tmp/man.items" >"$tmp/b"
items option "$tmp/help.items" | while IFS= read -r opt; do
    grep -qx -- "$opt" "$tmp/b" || echo "$opt"
done >"$tmp/missing"
while IFS= read -r opt; do
    fail "option '--$opt' is not in the man page SYNOPSIS"
done <"$tmp/missing"

# --- the table, through the binary's parser -------------------------------
# run ARGS...: runs the binary without a usable socket; sets $status.
run() {
    env -u SOTTO_SOCKET "$bin" --socket "$nosock" --timeout 1 "$@" \
        >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
}

# Made-up names must be rejected, or the checks below prove nothing.
run --no-such-option-docs-check status
if [ "$status" -ne 2 ] || ! grep -q "unknown option" "$tmp/err"; then
    fail "a made-up option was not rejected as unknown (exit $status)"
fi
run no-such-command-docs-check
if [ "$status" -ne 2 ]; then
    fail "a made-up command was not rejected (exit $status, expected 2)"
fi

# Names from both lists, so a name missing from one is still tried.
{ items option "$tmp/help.items"; items option "$tmp/man.items"; } | sort -u |
while IFS= read -r opt; do
    env -u SOTTO_SOCKET "$bin" "--$opt" >"$tmp/out" 2>"$tmp/err" </dev/null
    if grep -q "unknown option" "$tmp/err"; then
        echo "MISMATCH: option '--$opt' is unknown to sottoctl's table" >&2
        echo x
    fi
done >"$tmp/bad"
[ -s "$tmp/bad" ] && failures=$((failures + 1))

# expect STATUS WHAT ARGS...: runs the binary; a mismatch unless it exits
# with STATUS. Prints x on stdout for each mismatch.
expect() {
    want=$1
    what=$2
    shift 2
    run "$@"
    if [ "$status" -ne "$want" ]; then
        echo "MISMATCH: $what: 'sottoctl $*' exits $status, expected $want:" \
            "$(head -n 1 "$tmp/err")" >&2
        echo x
    fi
}

# arg_spec COMMAND: "NAME KIND" of its positional argument in --help, or nothing.
arg_spec() {
    sed -n "s/^arg $1|\([^|]*\)|\(.*\)\$/\1 \2/p" "$tmp/help.items"
}

# Commands reach the socket (exit 3) exactly when given the arguments
# their spec asks for; otherwise they are usage errors (exit 2).
{ items command "$tmp/help.items"; items command "$tmp/man.items"; } | sort -u |
while IFS= read -r cmd; do
    # shellcheck disable=SC2046 # "NAME KIND" splits into two words on purpose
    set -- $(arg_spec "$cmd")
    # shellcheck disable=SC2086 # a command is several words on purpose
    case ${3:-${2:-none}} in
    two)
        expect 2 "missing $1 of '$cmd' is not refused" $cmd
        expect 2 "missing $2 of '$cmd' is not refused" $cmd docs-check-arg
        if ! grep -q "$2" "$tmp/err"; then
            echo "MISMATCH: the error for '$cmd' without its $2 does not name it" >&2
            echo x
        fi
        expect 3 "command '$cmd $1 $2' is not accepted" $cmd docs-check-arg docs-check-arg2
        expect 2 "an extra argument of '$cmd' is not refused" $cmd docs-check-arg \
            docs-check-arg2 docs-check-extra
        ;;
    required)
        expect 2 "missing $1 of '$cmd' is not refused" $cmd
        if ! grep -q "$1" "$tmp/err"; then
            echo "MISMATCH: the error for '$cmd' without its argument does not name $1" >&2
            echo x
        fi
        expect 3 "command '$cmd $1' is not accepted" $cmd docs-check-arg
        expect 2 "an extra argument of '$cmd' is not refused" $cmd docs-check-arg docs-check-extra
        ;;
    optional)
        expect 3 "command '$cmd' is not accepted" $cmd
        expect 3 "command '$cmd [$1]' is not accepted" $cmd docs-check-arg
        expect 2 "an extra argument of '$cmd' is not refused" $cmd docs-check-arg docs-check-extra
        ;;
    *)
        expect 3 "command '$cmd' is not accepted" $cmd
        expect 2 "an argument to '$cmd' (which takes none) is not refused" $cmd docs-check-extra
        ;;
    esac
done >"$tmp/bad"
[ -s "$tmp/bad" ] && failures=$((failures + 1))

# Command options: accepted with their value, refused without it (or,
# when they take none, with one).
{ items cmdopt "$tmp/help.items"; items cmdopt "$tmp/man.items"; } | sort -u |
while IFS='|' read -r cmd opt value; do
    arg=
    case $(arg_spec "$cmd") in
    *" required") arg=docs-check-arg ;;
    *" two") arg="docs-check-arg docs-check-arg2" ;;
    esac
    # shellcheck disable=SC2086 # a command is several words; $arg may be empty
    if [ "$value" = - ]; then
        expect 3 "'$cmd --$opt' is not accepted" $cmd $arg "--$opt"
        expect 2 "'$cmd --$opt' accepts a value it should not take" $cmd $arg "--$opt=x"
    else
        expect 3 "'$cmd --$opt $value' is not accepted" $cmd $arg "--$opt" docs-check-value
        expect 2 "'$cmd --$opt' is accepted without its $value" $cmd $arg "--$opt"
    fi
done >"$tmp/bad"
[ -s "$tmp/bad" ] && failures=$((failures + 1))

if [ "$failures" -ne 0 ]; then
    echo "$0: sottoctl's table, --help and $man disagree ($failures kind(s) of mismatch)" >&2
    exit 1
fi
echo "sottoctl table, --help and man page agree:" \
    "$(items option "$tmp/help.items" | wc -l) options," \
    "$(items command "$tmp/help.items" | wc -l) commands," \
    "$(items arg "$tmp/help.items" | wc -l) positional arguments," \
    "$(items cmdopt "$tmp/help.items" | wc -l) command options"
exit 0
