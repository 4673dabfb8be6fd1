# shellcheck shell=bash
# Sourced by the scripts that start build/residue-server with --ports-file.
#
# server_connect_port PORTS_FILE PID
#   Waits up to 10 s for the server to write its ports line
#   ("residue-server: connect_port=N logging_port=M") and prints N. Prints nothing and
#   returns 1 when the line does not come in time or the server exits first.
server_connect_port() {
    local file=$1 pid=$2 port
    for _ in $(seq 100); do
        if [ -s "$file" ]; then
            port=$(sed -n 's/^residue-server: connect_port=\([0-9][0-9]*\) logging_port=[0-9][0-9]*$/\1/p' "$file" | head -1)
            if [ -n "$port" ]; then
                echo "$port"
                return 0
            fi
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}
