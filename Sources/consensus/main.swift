import ConsensusCLI

await ConsensusCommand.runFromCommandLine()
