import MregCLI; MregCommand.main()
