import ConsensusCLI

ConsensusCommand.main()
