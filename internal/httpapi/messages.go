package httpapi

import (
	"fmt"
	"net/http"

	"golang.org/x/text/language"

	"github.com/aftersales/aftersales/internal/app"
)

// messages are every string the pages show, in Chinese and English. Templates read them
// with {{t .Lang "key"}}; a key missing here fails the render (and the page tests).
var messages = map[string]app.Text{
	"app.name":       {ZH: "售后服务平台", EN: "After-sales platform"},
	"lang.other":     {ZH: "English", EN: "中文"},
	"login.title":    {ZH: "登录", EN: "Log in"},
	"login.hint":     {ZH: "商家员工、客服、主管和管理员请使用账号密码登录;买家请从商城进入。", EN: "Merchant staff, agents, supervisors and admins log in with their account; customers arrive from the shop."},
	"login.username": {ZH: "用户名", EN: "Username"},
	"login.password": {ZH: "密码", EN: "Password"},
	"login.submit":   {ZH: "登录", EN: "Log in"},
	"login.expired":  {ZH: "登录表单已过期,请重新输入并提交。", EN: "The login form has expired: enter your details and submit it again."},
	"home.title":     {ZH: "首页", EN: "Home"},
	"home.signed_in": {ZH: "你已登录", EN: "You are logged in"},
	"home.role":      {ZH: "角色", EN: "Role"},
	"home.merchant":  {ZH: "商家", EN: "Merchant"},
	"home.customer":  {ZH: "买家", EN: "Customer"},
	"home.scope":     {ZH: "服务范围", EN: "Serves"},
	"home.scope_all": {ZH: "全部商家", EN: "all merchants"},
	"home.account":   {ZH: "账号编号", EN: "Account"},
	"home.api":       {ZH: "API 文档(OpenAPI)", EN: "API document (OpenAPI)"},
	"home.api_hint":  {ZH: "本浏览器的会话也可以调用 API;写操作须带 X-CSRF-Token 头(值见本页 csrf-token)。", EN: "This browser's session can call the API too; writes need the X-CSRF-Token header (this page's csrf-token)."},
	"home.logout":    {ZH: "退出登录", EN: "Log out"},
	"error.title":    {ZH: "出错了", EN: "Something went wrong"},
	"error.request":  {ZH: "请求编号", EN: "Request id"},
	"error.back":     {ZH: "返回首页", EN: "Back to the start"},
	"error.login":    {ZH: "去登录", EN: "Log in"},

	"role.customer":    {ZH: "买家", EN: "customer"},
	"role.merchant":    {ZH: "商家员工", EN: "merchant staff"},
	"role.agent":       {ZH: "客服", EN: "agent"},
	"role.supervisor":  {ZH: "主管", EN: "supervisor"},
	"role.admin":       {ZH: "管理员", EN: "admin"},
	"role.integration": {ZH: "系统对接", EN: "integration"},
}

// Page languages.
const (
	langZH = "zh"
	langEN = "en"
)

// message returns a message in a language; an unknown key is an error, which fails the
// template.
func message(lang, key string) (string, error) {
	m, ok := messages[key]
	if !ok {
		return "", fmt.Errorf("no message %q", key)
	}
	if lang == langEN {
		return m.EN, nil
	}
	return m.ZH, nil
}

var langMatcher = language.NewMatcher([]language.Tag{language.Chinese, language.English})

// pageLang is the language of a page: the lang parameter of the query or of a form
// already read (the language switch), else the best match of Accept-Language, else
// Chinese. It never reads a body itself.
func pageLang(r *http.Request) string {
	v := r.URL.Query().Get("lang")
	if f := r.PostForm.Get("lang"); f != "" {
		v = f
	}
	switch v {
	case langZH, langEN:
		return v
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if len(tags) == 0 {
		return langZH
	}
	tag, _, _ := langMatcher.Match(tags...)
	if base, _ := tag.Base(); base.String() == langEN {
		return langEN
	}
	return langZH
}

func otherLang(lang string) string {
	if lang == langEN {
		return langZH
	}
	return langEN
}

// pick is the text in a language.
func pick(lang string, t app.Text) string {
	if lang == langEN {
		return t.EN
	}
	return t.ZH
}
