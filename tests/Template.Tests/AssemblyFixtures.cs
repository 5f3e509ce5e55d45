[assembly: AssemblyFixture(typeof(Mnemosyne.Testing.TestServers))]
