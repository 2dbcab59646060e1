"""What the service serves to browsers, as plain files with no build step: the client module
(`client.js`) and, when the project has it, the demo page that uses it (`demo/`)."""
