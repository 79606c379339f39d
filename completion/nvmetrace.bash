# bash completion for nvmetrace(8)
_nvmetrace()
{
	local cur prev words cword
	_init_completion -s 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
	}

	case $prev in
	--attach)
		COMPREPLY=($(compgen -W 'auto fentry kprobe tp_btf raw_tp' -- "$cur"))
		return ;;
	-T|--time)
		COMPREPLY=($(compgen -W 'wall iso rel ns' -- "$cur"))
		return ;;
	-o|--opcode)
		COMPREPLY=($(compgen -W 'identify get_log_page get_features set_features
			create_sq create_cq delete_sq delete_cq abort async_event ns_mgmt
			ns_attach fw_commit fw_download dev_self_test keep_alive
			directive_send directive_recv virtual_mgmt dbbuf format_nvm
			security_send security_recv sanitize get_lba_status read write
			flush compare write_zeroes write_uncor dsm verify copy
			resv_register resv_report resv_acquire resv_release
			zone_mgmt_send zone_mgmt_recv zone_append' -- "$cur"))
		return ;;
	-d|--device)
		COMPREPLY=($(compgen -W "$(ls /sys/class/nvme 2>/dev/null)
			$(cd /sys/block 2>/dev/null && ls -d nvme* 2>/dev/null)" -- "$cur"))
		return ;;
	--by)
		COMPREPLY=($(compgen -W 'disk ctrl qid opcode status comm disk,opcode' -- "$cur"))
		return ;;
	-c|--comm)
		COMPREPLY=($(compgen -W "$(ps -eo comm= 2>/dev/null | sort -u)" -- "$cur"))
		return ;;
	-p|--pid)
		COMPREPLY=($(compgen -W "$(ps -eo pid= 2>/dev/null)" -- "$cur"))
		return ;;
	-w|--write|-r|--read)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-n|--nsid|-q|--qid|-m|--min-latency|-i|--interval|--ringbuf-size)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-a --all --attach= --ringbuf-size= -p --pid= -c --comm=
			-d --device= -n --nsid= -q --qid= -o --opcode= --failed -m --min-latency=
			-j --json -T --time= -w --write= -r --read= -H --hist --by= -S --summary
			-i --interval= --list --list= -v --verbose --help --usage --version' -- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace 2>/dev/null
	fi
}
complete -F _nvmetrace nvmetrace
