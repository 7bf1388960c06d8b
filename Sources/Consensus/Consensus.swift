// The runtime: see Runtime/ConsensusTrait.swift.
