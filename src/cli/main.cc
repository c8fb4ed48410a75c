#include "cli/command_line.h"

int main(int argc, char** argv) { return certpilot::cli::Run(argc, argv); }
