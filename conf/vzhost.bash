# vzhost.bash: bash completion for vzhost: subcommands, options, VM names (from
# `vzhost list`) and control commands.  Installed as
# share/bash-completion/completions/vzhost.

# the VMs running from the state directory the command line names, if any
_vzhost_vms()
{
	local i args=()

	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --config | --state-dir)
			args+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}")
			;;
		esac
	done
	"${COMP_WORDS[0]}" list "${args[@]}" --timeout 1 2>/dev/null |
		awk 'NR == 1 { next } !NF { exit } { print $1 }'
}

# the control commands, as vzhost --help lists them (one table in the code)
_vzhost_ctl_cmds()
{
	"${COMP_WORDS[0]}" --help 2>/dev/null |
		awk '/^  ctl VM COMMAND/ { on = 1; next } /^  [a-z]/ { on = 0 } on { print $1 }'
}

_vzhost()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local sub=${COMP_WORDS[1]}

	COMPREPLY=()
	case $prev in
	-c | --config | --ipsw | save | restore | attach | detach)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--state-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--timeout)
		return
		;;
	esac
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "ctl list plugins install -c --config --help --version" -- "$cur"))
		return
	fi
	case $sub in
	ctl)
		if ((COMP_CWORD == 2)); then
			COMPREPLY=($(compgen -W "$(_vzhost_vms)" -- "$cur"))
		elif ((COMP_CWORD == 3)); then
			COMPREPLY=($(compgen -W "$(_vzhost_ctl_cmds)" -- "$cur"))
		elif ((COMP_CWORD == 4)) && [ "$prev" = usb ]; then
			COMPREPLY=($(compgen -W "attach detach" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "-c --state-dir --timeout" -- "$cur"))
		fi
		;;
	list)
		COMPREPLY=($(compgen -W "--json -c --state-dir --timeout" -- "$cur"))
		;;
	plugins)
		COMPREPLY=($(compgen -W "-c" -- "$cur"))
		;;
	install)
		COMPREPLY=($(compgen -W "-c --vm --ipsw" -- "$cur"))
		;;
	*)
		COMPREPLY=($(compgen -W "--check --print --recovery -v -q" -- "$cur"))
		;;
	esac
}
complete -F _vzhost vzhost
