#!/usr/bin/env python3
"""net_storm: random, truncated, oversized and pipelined byte streams at a running
residue-server over loopback (tests/fuzz/net-storm.sh starts the server and checks it after).

    net_storm.py --connect-port N --logging-port N --seconds S --seed K --max-packet B
                 --vectors DIR --max-open N

Each turn draws one action from the seed: open a connection to either port (up to --max-open
held at once, so the server's connection limit and eviction are reached); write to a held
connection random bytes with and without the \\r\\n\\r\\n delimiter, a captured packet of
../shared/vectors mutated (bit flips, cut short, spliced, doubled, repeated many times in one
write), a fresh CONNECT (current timestamp) with its JSON mutated, a packet larger than
--max-packet, or one byte at a time; read whatever replies are there; close politely, close
with unread replies (RST), or half-close. Every 2 s a probe sends a captured CONNECT on a
new connection and must get a delimited reply within 5 s: the server is up and serving.
Prints one summary line; exits 1 when a probe failed (the server is down or stuck).
The server's own checks (no crash, no sanitizer report, exit status) are the caller's.
"""
import argparse
import base64
import json
import os
import random
import select
import socket
import struct
import sys
import time

DELIM = b"\r\n\r\n"


def load_vectors(d):
    """Captured client->server packets, by port role, delimiter removed."""
    out = {"connect": [], "logging": []}
    for scen in sorted(os.listdir(d)):
        p = os.path.join(d, scen)
        if not os.path.isdir(p):
            continue
        idx = os.path.join(p, "index.json")
        if not os.path.exists(idx):
            continue
        with open(idx) as f:
            steps = json.load(f)["steps"]
        for s in steps:
            if s.get("direction") != "c2s":
                continue
            with open(os.path.join(p, s["file"]), "rb") as f:
                data = f.read()
            if data.endswith(DELIM):
                data = data[:-4]
            out["logging" if s.get("port_role") == "logging" else "connect"].append(data)
    return out


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        how = rng.randrange(7)
        if how == 0 and data:  # flip bits
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(data))
                data[i] ^= 1 << rng.randrange(8)
        elif how == 1 and data:  # cut short
            del data[rng.randrange(len(data)):]
        elif how == 2 and data:  # a random byte somewhere
            data.insert(rng.randrange(len(data) + 1), rng.randrange(256))
        elif how == 3 and data:  # delete a span
            i = rng.randrange(len(data))
            del data[i:i + rng.randint(1, 64)]
        elif how == 4 and data:  # duplicate a span
            i = rng.randrange(len(data))
            data[i:i] = data[i:i + rng.randint(1, 256)]
        elif how == 5:  # a delimiter in the middle
            data.insert(rng.randrange(len(data) + 1), 0)
            i = rng.randrange(len(data))
            data[i:i + 1] = DELIM
        else:  # interesting characters
            data.insert(rng.randrange(len(data) + 1),
                        rng.choice(b'{}[]":,\\0-9eE.+ \x00\xff\xc3\r\n'))
    return bytes(data)


def fresh_connect(rng, pub_b64):
    """A CONNECT the server takes as current (its timestamp is now), or a mutation of one."""
    m = {"_t": int(time.time()), "type": 1, "rsa_public_key": pub_b64}
    if rng.randrange(3) == 0:
        m["key_size"] = rng.choice([128, 192, 256, 100, 0, -1, 2 ** 64])
    text = json.dumps(m, separators=(",", ":")).encode()
    return text if rng.randrange(2) == 0 else mutate(rng, text)


class Storm:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.vec = load_vectors(a.vectors)
        with open(os.path.join(a.vectors, "A-unknown-plain/keys/client-public.pem"), "rb") as f:
            self.pub_b64 = base64.b64encode(f.read()).decode()
        self.probe_pkt = self.vec["connect"][0] + DELIM
        self.held = []  # (socket, role)
        self.stats = dict(opened=0, refused=0, sent=0, replies=0, resets=0, probes=0)

    def port(self, role):
        return self.a.connect_port if role == "connect" else self.a.logging_port

    def open(self):
        role = "connect" if self.rng.randrange(3) else "logging"
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", self.port(role)))
        except OSError:
            self.stats["refused"] += 1
            s.close()
            return
        s.setblocking(False)
        self.held.append((s, role))
        self.stats["opened"] += 1

    def payload(self, role):
        rng = self.rng
        how = rng.randrange(10)
        vec = self.vec[role] or self.vec["connect"]
        if how == 0:  # random bytes, perhaps delimited
            data = rng.randbytes(rng.choice([0, 1, 3, 17, 200, 4000, 70000]))
            return data + (DELIM if rng.randrange(2) else b"")
        if how in (1, 2, 3):
            return mutate(rng, rng.choice(vec)) + DELIM
        if how == 4:  # a valid capture, cut short (the rest never comes)
            v = rng.choice(vec) + DELIM
            return v[:rng.randrange(len(v))]
        if how == 5 and role == "connect":
            return fresh_connect(rng, self.pub_b64) + DELIM
        if how == 6:  # many packets in one write
            return b"".join(rng.choice(vec) + DELIM for _ in range(rng.randint(2, 200)))
        if how == 7:  # past the packet limit, with or without its delimiter
            n = self.a.max_packet + rng.choice([-5, -4, 0, 1, 4, 1000, 3 * self.a.max_packet])
            return b"{" * max(n, 0) + (DELIM if rng.randrange(2) else b"")
        if how == 8:  # only delimiters, or empty packets
            return DELIM * rng.randint(1, 50)
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))) + DELIM

    def send(self, s, data, trickle):
        try:
            if trickle:
                for i in range(min(len(data), 64)):
                    s.send(data[i:i + 1])
                data = data[64:]
            while data:
                r, w, _ = select.select([], [s], [], 0.2)
                if not w:
                    return  # the server stopped reading us: leave it
                n = s.send(data[:65536])
                data = data[n:]
                self.stats["sent"] += n
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self.stats["resets"] += 1

    def drain(self, s):
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    return False
                self.stats["replies"] += b.count(DELIM)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            self.stats["resets"] += 1
            return False

    def close(self, i):
        s, _ = self.held.pop(i)
        how = self.rng.randrange(3)
        try:
            if how == 0:  # RST: unread replies and linger 0
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif how == 1:
                s.shutdown(socket.SHUT_WR)
                time.sleep(0.01)
                self.drain(s)
        except OSError:
            pass
        s.close()

    def probe(self):
        """A captured CONNECT on a new connection; the server must answer it."""
        self.stats["probes"] += 1
        deadline = time.time() + 5
        try:
            with socket.create_connection(("127.0.0.1", self.a.connect_port), timeout=5) as s:
                s.sendall(self.probe_pkt)
                got = b""
                while DELIM not in got and time.time() < deadline:
                    s.settimeout(max(deadline - time.time(), 0.01))
                    b = s.recv(65536)
                    if not b:
                        break
                    got += b
                return DELIM in got
        except OSError as e:
            print("net_storm: probe: %s" % e, file=sys.stderr)
            return False

    def run(self):
        end = time.time() + self.a.seconds
        next_probe = time.time()
        turns = 0
        while time.time() < end:
            if time.time() >= next_probe:
                if not self.probe():
                    print("net_storm: FAIL the server did not answer a CONNECT within 5 s "
                          "after %d turns" % turns)
                    return 1
                next_probe = time.time() + 2
            turns += 1
            act = self.rng.randrange(10)
            if act < 2 or not self.held:
                if len(self.held) < self.a.max_open:
                    self.open()
                elif self.held:
                    self.close(self.rng.randrange(len(self.held)))
            elif act < 8:
                i = self.rng.randrange(len(self.held))
                s, role = self.held[i]
                self.send(s, self.payload(role), self.rng.randrange(8) == 0)
                if not self.drain(s):
                    self.held.pop(i)
                    s.close()
            else:
                self.close(self.rng.randrange(len(self.held)))
        for s, _ in self.held:
            s.close()
        self.held = []
        ok = self.probe()
        st = self.stats
        print("net_storm: %d turns in %ds (seed %d): %d connections opened, %d refused, %d bytes "
              "sent, %d replies, %d resets, %d probes answered%s"
              % (turns, self.a.seconds, self.a.seed, st["opened"], st["refused"], st["sent"],
                 st["replies"], st["resets"], st["probes"] - (0 if ok else 1),
                 "" if ok else "; FAIL the last probe"))
        return 0 if ok else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--connect-port", type=int, required=True)
    p.add_argument("--logging-port", type=int, required=True)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-packet", type=int, default=65536)
    p.add_argument("--max-open", type=int, default=64)
    p.add_argument("--vectors", default="../shared/vectors")
    sys.exit(Storm(p.parse_args()).run())


if __name__ == "__main__":
    main()
