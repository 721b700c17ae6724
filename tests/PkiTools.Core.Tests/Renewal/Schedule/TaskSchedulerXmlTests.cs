using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using PkiTools.Core.Renewal.Schedule;
using Xunit;

namespace PkiTools.Core.Tests.Renewal.Schedule
{
    public class TaskSchedulerXmlTests
    {
        private static readonly XNamespace T = "http://schemas.microsoft.com/windows/2004/02/mit/task";

        private static XDocument Parse(byte[] bytes)
        {
            // What schtasks /XML reads: UTF-16 LE with a byte order mark.
            Assert.Equal(new byte[] { 0xFF, 0xFE }, bytes.Take(2).ToArray());
            using var reader = XmlReader.Create(new MemoryStream(bytes));
            return XDocument.Load(reader);
        }

        private static XDocument Build(bool system, string userId = "S-1-5-18") =>
            Parse(TaskSchedulerXml.Bytes(TaskSchedulerXml.Build(ScheduleFixture.Job(pwsh: @"C:\Program Files\PowerShell\7\pwsh.exe"),
                @"C:\ProgramData\PkiTools\renewal\web.ps1", userId, system, new DateTime(2026, 12, 6, 15, 0, 0))));

        [Fact]
        public void Task_has_the_schema_s_required_parts_with_well_formed_values()
        {
            XDocument doc = Build(system: true);
            XElement task = doc.Root!;
            Assert.Equal(T + "Task", task.Name);
            Assert.Equal("1.2", (string?)task.Attribute("version"));
            // Every element is in the task namespace: schtasks refuses others.
            Assert.All(task.DescendantsAndSelf(), e => Assert.Equal(T, e.Name.Namespace));
            foreach (string required in new[] { "RegistrationInfo", "Triggers", "Principals", "Settings", "Actions" })
            {
                Assert.Single(task.Elements(T + required));
            }
            Assert.Equal(@"\PkiTools\Renew-web", (string?)task.Element(T + "RegistrationInfo")!.Element(T + "URI"));

            XElement trigger = task.Element(T + "Triggers")!.Elements().Single();
            Assert.Equal(T + "CalendarTrigger", trigger.Name);
            string start = (string)trigger.Element(T + "StartBoundary")!;
            Assert.True(DateTime.TryParseExact(start, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime when), start);
            Assert.Equal(new DateTime(2026, 12, 6, 3, 30, 0), when);
            Assert.Matches(new Regex(@"^P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$"), (string)trigger.Element(T + "RandomDelay")!);
            Assert.Equal("PT1H", (string)trigger.Element(T + "RandomDelay")!);
            Assert.Equal("1", (string)trigger.Element(T + "ScheduleByDay")!.Element(T + "DaysInterval")!);

            XElement principal = task.Element(T + "Principals")!.Elements(T + "Principal").Single();
            Assert.Equal("S-1-5-18", (string)principal.Element(T + "UserId")!);
            Assert.Equal("ServiceAccount", (string)principal.Element(T + "LogonType")!);
            Assert.Equal((string?)principal.Attribute("id"), (string?)task.Element(T + "Actions")!.Attribute("Context"));

            XElement settings = task.Element(T + "Settings")!;
            Assert.Equal("true", (string)settings.Element(T + "StartWhenAvailable")!);
            Assert.Matches(new Regex(@"^PT\d+H$"), (string)settings.Element(T + "ExecutionTimeLimit")!);

            XElement exec = task.Element(T + "Actions")!.Element(T + "Exec")!;
            Assert.Equal(@"C:\Program Files\PowerShell\7\pwsh.exe", (string)exec.Element(T + "Command")!);
            Assert.Equal(@"-noprofile -noninteractive -file C:\ProgramData\PkiTools\renewal\web.ps1", (string)exec.Element(T + "Arguments")!);
        }

        [Fact]
        public void A_user_s_task_runs_as_that_user_when_logged_on()
        {
            XElement principal = Build(system: false, userId: @"CORP\alice").Root!.Element(T + "Principals")!.Elements().Single();
            Assert.Equal(@"CORP\alice", (string)principal.Element(T + "UserId")!);
            Assert.Equal("InteractiveToken", (string)principal.Element(T + "LogonType")!);
            Assert.Equal("LeastPrivilege", (string)principal.Element(T + "RunLevel")!);
        }

        [Fact]
        public void A_script_path_with_spaces_is_one_argument()
        {
            XDocument doc = Parse(TaskSchedulerXml.Bytes(TaskSchedulerXml.Build(ScheduleFixture.Job(pwsh: "pwsh.exe"), @"C:\Users\Al Ice\renewal\web.ps1", "u", false, DateTime.Today)));
            Assert.EndsWith("-file \"C:\\Users\\Al Ice\\renewal\\web.ps1\"", (string)doc.Root!.Descendants(T + "Arguments").Single());
        }
    }
}
