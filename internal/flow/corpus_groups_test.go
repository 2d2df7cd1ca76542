package flow

type vendorGroup struct {
	name    string
	files   []string
	records []int // flow records each file yields, after the files before it
}

// vendorGroups lists the logstash corpus datagrams by exporter, in the order
// an exporter sends them (templates before data), so that each group can be
// fed to a fresh Decoder.
var vendorGroups = []vendorGroup{
	{"ipfix", []string{"ipfix.dat"}, []int{6}},
	{"barracuda", []string{"ipfix_test_barracuda_tpl.dat", "ipfix_test_barracuda_data256.dat"}, []int{0, 8}},
	{"barracuda extended uniflow", []string{"ipfix_test_barracuda_extended_uniflow_tpl256.dat", "ipfix_test_barracuda_extended_uniflow_data256.dat"}, []int{0, 2}},
	{"ixia", []string{"ipfix_test_ixia_tpldata256.dat", "ipfix_test_ixia_tpldata271.dat"}, []int{1, 2}},
	{"juniper mx240", []string{"ipfix_test_juniper_mx240_junos151r6s3_opttpl512.dat", "ipfix_test_juniper_mx240_junos151r6s3_data512.dat"}, []int{0, 0}},
	{"mikrotik", []string{"ipfix_test_mikrotik_tpl.dat", "ipfix_test_mikrotik_data258.dat", "ipfix_test_mikrotik_data259.dat"}, []int{0, 28, 18}},
	{"netscaler", []string{"ipfix_test_netscaler_tpl.dat", "ipfix_test_netscaler_data.dat"}, []int{0, 3}},
	{"nokia bras", []string{"ipfix_test_nokia_bras_tpl.dat", "ipfix_test_nokia_bras_data256.dat"}, []int{0, 1}},
	{"openbsd pflow", []string{"ipfix_test_openbsd_pflow_tpl.dat", "ipfix_test_openbsd_pflow_data.dat"}, []int{0, 26}},
	{"procera", []string{"ipfix_test_procera_tpl52935.dat", "ipfix_test_procera_data52935.dat"}, []int{0, 8}},
	{"viptela", []string{"ipfix_test_viptela_tpl257.dat", "ipfix_test_viptela_data257.dat"}, []int{0, 1}},
	{"vmware vds", []string{"ipfix_test_vmware_vds_tpl.dat", "ipfix_test_vmware_vds_data264.dat", "ipfix_test_vmware_vds_data266.dat", "ipfix_test_vmware_vds_data266_267.dat"}, []int{0, 1, 2, 2}},
	{"yaf", []string{"ipfix_test_yaf_tpls_option_tpl.dat", "ipfix_test_yaf_tpl45841.dat", "ipfix_test_yaf_data45841.dat", "ipfix_test_yaf_data45873.dat", "ipfix_test_yaf_data53248.dat"}, []int{0, 0, 1, 1, 0}},
	{"v5", []string{"netflow5.dat"}, []int{2}},
	{"v5 juniper mx80", []string{"netflow5_test_juniper_mx80.dat"}, []int{29}},
	{"v5 mikrotik", []string{"netflow5_test_microtik.dat"}, []int{30}},
	{"asr1001x", []string{"netflow9_cisco_asr1001x_tpl259.dat"}, []int{25}},
	{"0length fields", []string{"netflow9_test_0length_fields_tpl_data.dat"}, []int{10}},
	{"cisco 1941", []string{"netflow9_test_cisco_1941K9.dat"}, []int{29}},
	{"cisco aci", []string{"netflow9_test_cisco_aci_tpl256-258.dat", "netflow9_test_cisco_aci_data256.dat"}, []int{0, 3}},
	{"cisco asa 1", []string{"netflow9_test_cisco_asa_1_tpl.dat", "netflow9_test_cisco_asa_1_data.dat"}, []int{0, 14}},
	{"cisco asa 2", []string{"netflow9_test_cisco_asa_2_tpl_26x.dat", "netflow9_test_cisco_asa_2_tpl_27x.dat", "netflow9_test_cisco_asa_2_data.dat"}, []int{0, 0, 19}},
	{"cisco asr9k", []string{"netflow9_test_cisco_asr9k_opttpl256.dat", "netflow9_test_cisco_asr9k_opttpl257.dat", "netflow9_test_cisco_asr9k_opttpl334.dat", "netflow9_test_cisco_asr9k_tpl260.dat", "netflow9_test_cisco_asr9k_tpl266.dat", "netflow9_test_cisco_asr9k_data256.dat", "netflow9_test_cisco_asr9k_data260.dat"}, []int{0, 0, 0, 0, 0, 0, 21}},
	{"cisco nbar", []string{"netflow9_test_cisco_nbar_opttpl260.dat", "netflow9_test_cisco_nbar_tpl262.dat", "netflow9_test_cisco_nbar_data262.dat"}, []int{0, 0, 5}},
	{"cisco wlc", []string{"netflow9_test_cisco_wlc_tpl.dat", "netflow9_test_cisco_wlc_data261.dat"}, []int{0, 0}},
	{"cisco wlc 8510", []string{"netflow9_test_cisco_wlc_8510_tpl_262.dat"}, []int{0}},
	{"layer2segmentid", []string{"netflow9_test_field_layer2segmentid_tpl.dat", "netflow9_test_field_layer2segmentid_data.dat"}, []int{0, 1}},
	{"fortigate 521", []string{"netflow9_test_fortigate_fortios_521_tpl.dat", "netflow9_test_fortigate_fortios_521_data256.dat", "netflow9_test_fortigate_fortios_521_data257.dat"}, []int{0, 0, 1}},
	{"fortigate 542", []string{"netflow9_test_fortigate_fortios_542_appid_tpl258-269.dat", "netflow9_test_fortigate_fortios_542_appid_data258_262.dat"}, []int{0, 17}},
	{"h3c", []string{"netflow9_test_h3c_tpl3281.dat", "netflow9_test_h3c_data3281.dat"}, []int{0, 16}},
	{"h3c varstring", []string{"netflow9_test_h3c_netstream_varstring_tpl3281.dat", "netflow9_test_h3c_netstream_varstring_data3281.dat"}, []int{0, 1}},
	{"huawei", []string{"netflow9_test_huawei_netstream_tpl.dat", "netflow9_test_huawei_netstream_data.dat"}, []int{0, 1}},
	{"v9 invalid01", []string{"netflow9_test_invalid01.dat"}, []int{2}},
	{"iptnetflow reduced size", []string{"netflow9_test_iptnetflow_reduced_size_encoding_tpldata260.dat"}, []int{12}},
	{"juniper srx", []string{"netflow9_test_juniper_srx_tplopt.dat"}, []int{0}},
	{"macaddr", []string{"netflow9_test_macaddr_tpl.dat", "netflow9_test_macaddr_data.dat"}, []int{0, 29}},
	{"nprobe", []string{"netflow9_test_nprobe_tpl.dat", "netflow9_test_nprobe_data.dat", "netflow9_test_nprobe_dpi.dat"}, []int{0, 1, 1}},
	{"paloalto 81", []string{"netflow9_test_paloalto_81_tpl256-263.dat", "netflow9_test_paloalto_81_data257_1flowset_in_large_zerofilled_packet.dat"}, []int{0, 1}},
	{"paloalto panos", []string{"netflow9_test_paloalto_panos_tpl.dat", "netflow9_test_paloalto_panos_data.dat"}, []int{0, 8}},
	{"softflowd", []string{"netflow9_test_softflowd_tpl_data.dat"}, []int{7}},
	{"streamcore", []string{"netflow9_test_streamcore_tpl_data256.dat", "netflow9_test_streamcore_tpl_data260.dat"}, []int{2, 2}},
	{"ubnt edgerouter", []string{"netflow9_test_ubnt_edgerouter_tpl.dat", "netflow9_test_ubnt_edgerouter_data1024.dat", "netflow9_test_ubnt_edgerouter_data1025.dat"}, []int{0, 8, 8}},
	{"unknown tpl", []string{"netflow9_test_unknown_tpl266_292_data.dat"}, []int{2}},
	{"v9 valid01", []string{"netflow9_test_valid01.dat"}, []int{7}},
	{"v5 invalid", []string{"netflow5_test_invalid01.dat", "netflow5_test_invalid02.dat"}, []int{0, 0}},
}
