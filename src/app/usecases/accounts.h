// Account commands: register, show_account, update_account (contacts, key
// rollover), unregister. Each acts on the account stored for --server.
#pragma once

#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

struct AccountOptions {
  CommonOptions common;
  bool json = false;     // show_account
  bool new_key = false;  // update_account: RFC 8555 §7.3.5 key rollover
};

// Registers a new account (refuses when one is stored for the server).
int Register(const AccountOptions& o, Services& services);
// Prints the account URL, contacts, status (asked of the CA), key
// thumbprint; --json: {"server","id","url","contact","status","thumbprint"}.
int ShowAccount(const AccountOptions& o, Services& services);
// -m replaces the contacts; --new-key rolls the key over and swaps the stored
// key only after the CA accepted the new one.
int UpdateAccount(const AccountOptions& o, Services& services);
// Deactivates the account at the CA (asking first unless -n), then removes it.
int Unregister(const AccountOptions& o, Services& services);

}  // namespace certpilot::app
