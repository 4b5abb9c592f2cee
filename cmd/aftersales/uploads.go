package main

import (
	"flag"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// uploadFlags are serve's bounds on uploads: each uploader's quota for any 24 hours, and
// how long an upload that no case claimed is kept.
type uploadFlags struct {
	quota app.UploadQuota
	grace time.Duration
}

func (u *uploadFlags) register(fs *flag.FlagSet) {
	u.quota = app.DefaultUploadQuota
	fs.IntVar(&u.quota.Files, "upload-quota-count", u.quota.Files, "`N` files one uploader (a customer, a token, a staff account) may upload in any 24 hours; 0 for no limit")
	fs.Var(sizeFlag{&u.quota.Bytes}, "upload-quota-bytes", "`SIZE` one uploader may upload in any 24 hours (1GiB, 500MB: KB, MB, GB are powers of 1000,\nKiB, MiB, GiB of 1024); 0 or off for no limit")
	fs.DurationVar(&u.grace, "upload-grace", app.DefaultUploadGrace, "how long an upload that no application or action has used is kept; then it is deleted")
}

// check refuses values that make no sense, and turns the command line's 0 (no limit) into
// app.UploadQuota's negative number.
func (u *uploadFlags) check(cmd string) error {
	if u.quota.Files < 0 {
		return usageErrorf("%s: --upload-quota-count must be 0 (no limit) or more", cmd)
	}
	if u.grace < time.Minute {
		return usageErrorf("%s: --upload-grace must be a minute or more (an upload is made to be used by an application or action soon after)", cmd)
	}
	if u.quota.Files == 0 {
		u.quota.Files = -1
	}
	if u.quota.Bytes == 0 {
		u.quota.Bytes = -1
	}
	return nil
}
