/* SPDX-License-Identifier: Apache-2.0 */
/* sops ini store: read, write, encrypt/decrypt round trip (sops_fuzz.h). */
#include "sops_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sops_fuzz_store(data, size, CK_SOPS_FMT_INI);
	return 0;
}
