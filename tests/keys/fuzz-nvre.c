/*
 * fuzz-nvre: the NVRE v1 reader on hostile bytes. The input is a whole file;
 * the expected context is taken from the input's own fixed header so that
 * the fuzzer can reach the key, MAC, signature and chunk code. Fixed keys are
 * those of the conformance vectors, whose files are the seed corpus
 * (tests/data/nvre-v1). Every API on the open file is exercised: reads,
 * verify-all, chain state and check, tags digest and keyless recovery.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "keys/nvr-keys.h"
#include "keys/nvr-nvre.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const guint8 fuzz_household_sk[32] = {0xea, 0x20, 0x33, 0xbc, 0x66, 0xbb, 0x7b, 0x47,
					     0x16, 0xc6, 0xd2, 0x0d, 0xb8, 0xde, 0xd8, 0xbf,
					     0x2f, 0x35, 0x78, 0x81, 0x34, 0x9e, 0x27, 0xce,
					     0xff, 0xbb, 0x84, 0x9d, 0x54, 0x71, 0x21, 0x0b};
static const guint8 fuzz_recovery_sk[32] = {0x84, 0xe9, 0x61, 0xbc, 0xe4, 0x1c, 0x04, 0x9e,
					    0xa1, 0x55, 0xae, 0x38, 0x5b, 0xdd, 0x63, 0x1a,
					    0xfe, 0x73, 0xc2, 0x3d, 0xc4, 0xfa, 0x8e, 0x5d,
					    0xd6, 0x04, 0x4b, 0x90, 0x2f, 0x59, 0xb9, 0x7b};
static const guint8 fuzz_device_pk[32] = {0x22, 0x07, 0xc8, 0xe9, 0x81, 0x12, 0x4d, 0x9a,
					  0x45, 0xba, 0x93, 0x7e, 0xc1, 0x5f, 0xbe, 0x1e,
					  0xcc, 0x3c, 0xf8, 0x67, 0xd4, 0x0b, 0x06, 0x4c,
					  0x87, 0x21, 0x1a, 0x5c, 0xd7, 0xe6, 0x24, 0x02};

static NvrNvreKeyPair *fuzz_keys[2];
static gint fuzz_fd = -1;

static void
fuzz_init(void)
{
	if (fuzz_fd >= 0)
		return;
	g_assert(nvr_keys_init(NULL));
	fuzz_keys[0] = nvr_nvre_key_pair_new_from_secret(fuzz_household_sk, NULL);
	fuzz_keys[1] = nvr_nvre_key_pair_new_from_secret(fuzz_recovery_sk, NULL);
	fuzz_fd = memfd_create("fuzz-nvre", MFD_CLOEXEC);
	g_assert(fuzz_keys[0] != NULL && fuzz_keys[1] != NULL && fuzz_fd >= 0);
}

static guint64
fuzz_be64(const guint8 *p)
{
	guint64 v = 0;

	for (gint i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
fuzz_load(const uint8_t *data, size_t size)
{
	g_assert(ftruncate(fuzz_fd, 0) == 0);
	g_assert(size == 0 || pwrite(fuzz_fd, data, size, 0) == (gssize)size);
}

static void
fuzz_exercise(NvrNvreReader *r)
{
	guint64 len = nvr_nvre_reader_get_plain_len(r);
	guint8 buf[512];
	NvrNvreChainState state;
	const guint64 offsets[] = {0, len / 2, len > 0 ? len - 1 : 0, len, len + 1, G_MAXUINT64};

	for (guint i = 0; i < G_N_ELEMENTS(offsets); i++) {
		gsize n = offsets[i] <= len ? (gsize)MIN(len - offsets[i], sizeof(buf)) : 1;
		(void)!nvr_nvre_reader_read(r, offsets[i], buf, n, NULL);
	}
	(void)!nvr_nvre_reader_verify_all(r, NULL);
	nvr_nvre_reader_get_chain_state(r, &state);
	(void)!nvr_nvre_reader_check_chain(r, &state, NULL);
	(void)!nvr_nvre_reader_check_chain(r, NULL, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	NvrNvreReadParams rp = {0};
	g_autofree gchar *path = NULL;
	guint8 digest[32];
	NvrNvreChainState state;

	fuzz_init();
	fuzz_load(data, size);
	/* the file's own claims, so that the context check lets the fuzzer through */
	if (size >= 112) {
		memcpy(rp.context.camera_id, data + 16, 16);
		rp.context.segment_id = fuzz_be64(data + 32);
		rp.context.start_us = (gint64)fuzz_be64(data + 40);
		rp.context.content_type = data[11];
	}
	rp.keys = fuzz_keys;
	rp.n_keys = G_N_ELEMENTS(fuzz_keys);
	rp.device_pk = fuzz_device_pk;
	for (guint mode = 0; mode < 2; mode++) {
		g_autoptr(NvrNvreReader) r = NULL;
		rp.mode = mode == 0 ? NVR_NVRE_MODE_STRICT : NVR_NVRE_MODE_INTERRUPTED;
		rp.require_signature = mode == 0;
		r = nvr_nvre_reader_open_fd(fuzz_fd, &rp, NULL);
		if (r != NULL)
			fuzz_exercise(r);
	}
	/* keyless paths: digest, chain state, then recovery, which may truncate the copy */
	path = g_strdup_printf("/proc/self/fd/%d", fuzz_fd);
	(void)!nvr_nvre_tags_digest(path, NVR_NVRE_STATUS_FINALIZED, digest, NULL);
	(void)!nvr_nvre_tags_digest(path, NVR_NVRE_STATUS_INTERRUPTED, digest, NULL);
	(void)!nvr_nvre_read_chain_state(path, NVR_NVRE_STATUS_FINALIZED, &state, NULL);
	(void)!nvr_nvre_recover(path, &state, NULL);
	/* a 104-byte input is also a key slot: its bounds, never Argon2id (too slow to fuzz) */
	(void)!nvr_nvre_slot_get_cost(data, size, NULL, NULL, NULL);
	return 0;
}
