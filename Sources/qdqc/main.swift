import QdqcCLI
QdqcCommand.main()
